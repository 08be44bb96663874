// Which requirement lines `pulumi up` looks up in the repository (lib/requirements.ts): read as pip
// reads a requirements file, with environment markers decided for MWAA's Linux where they can be.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { evaluateMarker, MWAA_MARKER_ENVIRONMENT, requirementCheck, requirementChecks } from "../lib/requirements";

test("package lines: the name as written, an exact pin, extras and per-requirement options dropped", () => {
    const cases: [string, ReturnType<typeof requirementCheck>][] = [
        ["your-package", { name: "your-package" }],
        ["your-package==1.4.2", { name: "your-package", pin: "1.4.2" }],
        ["  Your_Package [s3, gcs] == 1.4.2  # pinned for MWAA", { name: "Your_Package", pin: "1.4.2" }],
        ["your-package>=1.0,==1.4.*", { name: "your-package", pin: "1.4.*" }],
        ["your-package===1.4.2-custom", { name: "your-package", pin: "=1.4.2-custom" }],
        ["your-package (==1.4.2)", { name: "your-package", pin: "1.4.2" }],
        ["your-package>=1.0,<2", { name: "your-package" }],
        ["your-package~=1.4", { name: "your-package" }],
        ["your-package==1.4.2 --hash=sha256:0123456789abcdef", { name: "your-package", pin: "1.4.2" }],
        ["apache-airflow-providers-snowflake; python_version >= '3.8'", { name: "apache-airflow-providers-snowflake" }],
        ['pywin32; sys_platform == "linux" or platform_machine == "x"', { name: "pywin32" }],
    ];
    for (const [line, expected] of cases) assert.deepEqual(requirementCheck(line), expected, line);
});

test("lines pip never looks up in the index: options, comments, direct references, paths, URLs, editables, markers false on Linux", () => {
    for (const line of [
        '--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt"',
        "-c constraints.txt", "--pre", "--prefer-binary", "-e git+https://example.com/repo.git#egg=x", "# a comment", "   ",
        "your-package @ https://example.com/your_package-1.0-py3-none-any.whl", "./wheels/your_package-1.0-py3-none-any.whl",
        "https://example.com/your_package-1.0.tar.gz", "git+https://example.com/repo.git", "your_package-1.0-py3-none-any.whl",
        'pywin32; sys_platform == "win32"', "pywin32 ; os_name == 'nt'", 'x; extra == "dev"', "x; platform_system != 'Linux' and python_version > '3'",
    ]) {
        assert.equal(requirementCheck(line), undefined, line);
    }
});

test("every line once per project and pin, in order", () => {
    assert.deepEqual(requirementChecks(["b", "--pre", "A_x==1", "a-x==1", "a.x", "b"]), [{ name: "b" }, { name: "A_x", pin: "1" }, { name: "a.x" }]);
});

test("markers in three values: decided where MWAA's Linux decides them, undecided otherwise", () => {
    const cases: [string, boolean | undefined][] = [
        ['sys_platform == "linux"', true], ['os_name != "posix"', false], ["'lin' in sys_platform", true], ["'w' not in platform_system", true], ["'x' not in platform_system", false],
        ['python_version < "3.8"', undefined], ['python_version < "3.8" and sys_platform == "win32"', false],
        ['python_version < "3.8" or sys_platform == "linux"', true], ['(sys_platform == "win32" or os_name == "posix") and extra == ""', true],
        ['platform_python_implementation == "CPython"', true], ['sys_platform <= "linux"', undefined], ['sys_platform == "linux" junk', undefined],
        ["sys_platform = 'linux'", undefined],
    ];
    for (const [marker, expected] of cases) assert.equal(evaluateMarker(marker, MWAA_MARKER_ENVIRONMENT), expected, marker);
});

test("property: and/or over decided markers follow boolean logic; an undecided side decides nothing a decided side does not", () => {
    const leaf = fc.constantFrom<[string, boolean | undefined]>(['os_name == "posix"', true], ['os_name == "nt"', false], ['python_version == "3.11"', undefined]);
    fc.assert(fc.property(leaf, leaf, fc.constantFrom("and", "or"), ([a, va], [b, vb], op) => {
        const got = evaluateMarker(`(${a}) ${op} ${b}`, MWAA_MARKER_ENVIRONMENT);
        const expected = op === "and"
            ? (va === false || vb === false ? false : va === true && vb === true ? true : undefined)
            : (va === true || vb === true ? true : va === false && vb === false ? false : undefined);
        assert.equal(got, expected);
    }));
});
