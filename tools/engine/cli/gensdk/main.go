// Command gensdk generates a Pulumi package's Python or Go SDK from its schema, offline.
//
//	gensdk <python|go> <schema.json> <out dir>
//
// `pulumi package gen-sdk` cannot do this here: it hands the schema to the language host
// (pulumi-language-python), whose Go module the module proxy does not serve. This program does what
// that path does with pkg/v3's code generators, at the release the wrapper module pins:
//   - the CLI binds the spec (packages.BindSpec: metaschema validation, dangling references allowed)
//     and passes pkg.MarshalJSON() to the host;
//   - the host binds that JSON again and calls the language's GeneratePackage under its own tool name
//     (codegen/python: no overlays; codegen/go: no local dependencies, as `gen-sdk` passes none);
//   - the files are written below the output folder with the host's modes (0600 files, 0700 folders);
//   - SupportPack is on, as `pulumi package add` sets it (gen-sdk leaves it to the schema).
//
// The one difference: other packages a schema refers to are not loaded (the CLI would load their
// plugins); such a schema is refused with a message naming the package.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	pygen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// generators are the languages' GeneratePackage calls, as each language host makes them.
var generators = map[string]func(pkg *schema.Package, loader schema.ReferenceLoader) (map[string][]byte, error){
	"python": func(pkg *schema.Package, loader schema.ReferenceLoader) (map[string][]byte, error) {
		return pygen.GeneratePackage("pulumi-language-python", pkg, map[string][]byte{}, loader)
	},
	"go": func(pkg *schema.Package, _ schema.ReferenceLoader) (map[string][]byte, error) {
		return gogen.GeneratePackage("pulumi-language-go", pkg, nil)
	},
}

// noOtherPackages refuses every load: gensdk has no plugins to take other packages' schemas from.
type noOtherPackages struct{}

func refuse(name string) error {
	return fmt.Errorf("the schema refers to package %q; gensdk loads no other package (generate with `pulumi package gen-sdk`)", name)
}

func (noOtherPackages) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, refuse(name)
}

func (noOtherPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, refuse(d.Name)
}

func (noOtherPackages) LoadPackageReference(name string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, refuse(name)
}

func (noOtherPackages) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, refuse(d.Name)
}

// bind binds a spec as packages.BindSpec and the language hosts do; warnings go to stderr.
func bind(spec schema.PackageSpec, loader schema.ReferenceLoader) (*schema.Package, error) {
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("the schema does not bind:\n%w", errors.Join(diags.Errs()...))
	}
	for _, d := range diags {
		fmt.Fprintf(os.Stderr, "gensdk: warning: %s: %s\n", d.Summary, d.Detail)
	}
	return pkg, nil
}

// readSpec reads a schema file, naming the file in every error.
func readSpec(file string) (schema.PackageSpec, error) {
	var spec schema.PackageSpec
	data, err := os.ReadFile(file)
	if err != nil {
		return spec, err
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		return spec, fmt.Errorf("%s is not a package schema (JSON): %w", file, err)
	}
	return spec, nil
}

// generate binds the schema twice (the CLI's bind, then the host's bind of the CLI's JSON) and
// returns the language's files.
func generate(language, file string) (map[string][]byte, error) {
	gen, ok := generators[language]
	if !ok {
		return nil, fmt.Errorf("unknown language %q: python or go", language)
	}
	spec, err := readSpec(file)
	if err != nil {
		return nil, err
	}
	loader := noOtherPackages{}
	pkg, err := bind(spec, loader)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	// As `pulumi package add`, the command users run (pkg/cmd/pulumi/packages/packages.go): SupportPack
	// on. Without it the Go SDK of a package named with a dash imports <base>/go/mwaa-codeartifact/internal
	// while writing the folder mwaacodeartifact/, and does not compile.
	pkg.SupportPack = true
	passed, err := pkg.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("%s: re-serializing the bound package: %w", file, err)
	}
	var again schema.PackageSpec
	if err := json.Unmarshal(passed, &again); err != nil {
		return nil, fmt.Errorf("%s: the re-serialized package does not parse: %w", file, err)
	}
	if pkg, err = bind(again, loader); err != nil {
		return nil, fmt.Errorf("%s (as the CLI passes it on): %w", file, err)
	}
	files, err := gen(pkg, loader)
	if err != nil {
		return nil, fmt.Errorf("generating the %s SDK of %s: %w", language, pkg.Name, err)
	}
	return files, nil
}

// write writes the files below out, which must be absent or empty: it is never cleaned, as a
// mistyped path would lose its contents.
func write(out string, files map[string][]byte) error {
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty; give an absent or empty folder", out)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		target := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(target, files[name], 0o600); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: gensdk <python|go> <schema.json> <out dir>")
		os.Exit(2)
	}
	language, file, out := os.Args[1], os.Args[2], os.Args[3]
	files, err := generate(language, file)
	if err == nil {
		err = write(out, files)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gensdk: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "gensdk: %d files of the %s SDK written to %s\n", len(files), language, out)
}
