/**
 * Structural checks of a Pulumi package schema, written from the rules of the schema format
 * (https://www.pulumi.com/docs/iac/extending-pulumi/schema/) that matter for this package. Pulumi's
 * own metaschema (pulumi.json's JSON Schema) ships with no npm package and cannot be fetched here,
 * so it is not used; these checks are narrower, and say so.
 */

export interface TypeSpec {
    type?: string;
    items?: TypeSpec;
    additionalProperties?: TypeSpec;
    $ref?: string;
    plain?: boolean;
}

export interface PropertySpec extends TypeSpec {
    description?: string;
    [key: string]: unknown;
}

export interface ResourceSpec {
    description?: string;
    isComponent?: boolean;
    properties?: Record<string, PropertySpec>;
    required?: string[];
    inputProperties?: Record<string, PropertySpec>;
    requiredInputs?: string[];
    [key: string]: unknown;
}

export interface PackageSchema {
    name: string;
    version?: string;
    description?: string;
    resources?: Record<string, ResourceSpec>;
    types?: Record<string, { type?: string; properties?: Record<string, PropertySpec>; required?: string[]; enum?: unknown[] }>;
    [key: string]: unknown;
}

const PACKAGE_NAME = /^[a-zA-Z][-a-zA-Z0-9_]*$/;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const PRIMITIVES = new Set(["string", "integer", "number", "boolean"]);
const BUILTIN_REFS = new Set(["pulumi.json#/Any", "pulumi.json#/Archive", "pulumi.json#/Asset", "pulumi.json#/Json"]);
// `optional` is not in the format: the SDK's schema generator (provider/experimental/schema.js) leaves
// its own marker in; the CLI's schema binding ignores unknown keys. Checked against `required` instead.
const PROPERTY_KEYS = new Set([
    "optional", "type", "items", "additionalProperties", "$ref", "oneOf", "plain", "description", "const", "default", "defaultInfo",
    "deprecationMessage", "language", "secret", "replaceOnChanges", "willReplaceOnChanges",
]);
const RESOURCE_KEYS = new Set([
    "type", "description", "properties", "required", "inputProperties", "requiredInputs", "stateInputs", "aliases",
    "deprecationMessage", "isComponent", "methods", "isOverlay", "language",
]);
const PACKAGE_KEYS = new Set([
    "name", "displayName", "version", "description", "keywords", "homepage", "license", "attribution", "repository",
    "logoUrl", "pluginDownloadURL", "publisher", "namespace", "meta", "allowedPackageNames", "language", "config",
    "types", "provider", "resources", "functions", "dependencies", "parameterization",
]);

function tokenProblem(token: string, pkg: string): string | undefined {
    const parts = token.split(":");
    if (parts.length !== 3 || parts[0] !== pkg || !/^[a-zA-Z][a-zA-Z0-9._/-]*$/.test(parts[1]) || !/^[A-Za-z][a-zA-Z0-9_]*$/.test(parts[2])) {
        return `token ${token} is not ${pkg}:<module>:<Type>`;
    }
    return undefined;
}

function typeProblems(where: string, spec: TypeSpec, types: Set<string>): string[] {
    if (spec.$ref !== undefined) {
        if (spec.type !== undefined) {
            return [`${where}: both $ref and type`];
        }
        const local = spec.$ref.startsWith("#/types/") && types.has(decodeURIComponent(spec.$ref.slice("#/types/".length)));
        const external = /^\/[^/]+\/v[^/]+\/schema\.json#\/(types|resources)\//.test(spec.$ref);
        return local || external || BUILTIN_REFS.has(spec.$ref) ? [] : [`${where}: dangling $ref ${spec.$ref}`];
    }
    if (spec.type === undefined) {
        return [`${where}: neither type nor $ref`];
    }
    if (PRIMITIVES.has(spec.type)) {
        return spec.items === undefined && spec.additionalProperties === undefined ? [] : [`${where}: ${spec.type} with items or additionalProperties`];
    }
    if (spec.type === "array") {
        return spec.items === undefined ? [`${where}: array without items`] : typeProblems(`${where}[]`, spec.items, types);
    }
    if (spec.type === "object") {
        return spec.additionalProperties === undefined
            ? [`${where}: object property without additionalProperties`]
            : typeProblems(`${where}{}`, spec.additionalProperties, types);
    }
    return [`${where}: unknown type ${spec.type}`];
}

function propertiesProblems(where: string, props: Record<string, PropertySpec> | undefined, required: string[] | undefined, types: Set<string>): string[] {
    const problems: string[] = [];
    for (const [key, prop] of Object.entries(props ?? {})) {
        problems.push(...Object.keys(prop).filter((k) => !PROPERTY_KEYS.has(k)).map((k) => `${where}.${key}: unknown key ${k}`));
        if (typeof prop.description !== "string" || prop.description.trim() === "") {
            problems.push(`${where}.${key}: no description`);
        }
        problems.push(...typeProblems(`${where}.${key}`, prop, types));
    }
    const names = required ?? [];
    if (new Set(names).size !== names.length) {
        problems.push(`${where}: duplicate required names`);
    }
    problems.push(...names.filter((n) => !(n in (props ?? {}))).map((n) => `${where}: required ${n} is not a property`));
    for (const [key, prop] of Object.entries(props ?? {})) {
        if (prop.optional !== undefined && (prop.optional !== true || names.includes(key))) {
            problems.push(`${where}.${key}: optional ${JSON.stringify(prop.optional)} but ${names.includes(key) ? "" : "not "}required`);
        }
        if (prop.optional === undefined && !names.includes(key)) {
            problems.push(`${where}.${key}: neither optional nor required`);
        }
    }
    return problems;
}

/** Every rule the schema breaks, as one line each; empty when it passes. */
export function schemaProblems(schema: PackageSchema): string[] {
    const problems: string[] = Object.keys(schema).filter((k) => !PACKAGE_KEYS.has(k)).map((k) => `package: unknown key ${k}`);
    if (!PACKAGE_NAME.test(schema.name)) {
        problems.push(`package name ${schema.name}`);
    }
    if (schema.version !== undefined && !SEMVER.test(schema.version)) {
        problems.push(`package version ${schema.version}`);
    }
    const types = new Set(Object.keys(schema.types ?? {}));
    for (const [token, type] of Object.entries(schema.types ?? {})) {
        problems.push(...[tokenProblem(token, schema.name)].filter((p): p is string => p !== undefined));
        if (type.enum === undefined) {
            problems.push(...propertiesProblems(token, type.properties, type.required, types));
        }
    }
    for (const [token, resource] of Object.entries(schema.resources ?? {})) {
        problems.push(...[tokenProblem(token, schema.name)].filter((p): p is string => p !== undefined));
        problems.push(...Object.keys(resource).filter((k) => !RESOURCE_KEYS.has(k)).map((k) => `${token}: unknown key ${k}`));
        if (typeof resource.description !== "string" || resource.description.trim() === "") {
            problems.push(`${token}: no description`);
        }
        problems.push(...propertiesProblems(`${token} output`, resource.properties, resource.required, types));
        problems.push(...propertiesProblems(`${token} input`, resource.inputProperties, resource.requiredInputs, types));
    }
    return problems;
}
