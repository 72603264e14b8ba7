package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/spf13/pflag"
)

// flags are the provider's command-line flags. Each can also be set by an
// environment variable named after the command and the flag (PROVIDER_POLL
// for --poll when the binary is called provider), as with the kingpin
// parser the provider used before; the command line wins over the
// environment. A boolean flag is turned off with --no-NAME, as before too.
//
// pflag rather than kingpin: kingpin renders its help through text/template,
// whose reflection turns off the linker's dead-method elimination for the
// whole binary, which made the provider a third larger and its resident
// memory with it (see TestDeadMethodElimination).
type flags struct {
	*pflag.FlagSet
	envPrefix string
	envars    map[string]string // flag name → variable, where not the default one
}

func newFlags(command string) *flags {
	fs := pflag.NewFlagSet(command, pflag.ContinueOnError)
	fs.SortFlags = false
	return &flags{FlagSet: fs, envPrefix: command, envars: map[string]string{}}
}

// envar names the environment variable that sets the named flag.
func (f *flags) envar(name string) string {
	if v, ok := f.envars[name]; ok {
		return v
	}
	return strings.ToUpper(notEnvarChars.ReplaceAllString(f.envPrefix+"_"+name, "_"))
}

var notEnvarChars = regexp.MustCompile(`[^a-zA-Z0-9_]+`)

// parse sets the flags from env, then from args. A flag is Changed when
// either sets it.
func (f *flags) parse(args []string, env func(string) (string, bool)) error {
	var err error
	f.VisitAll(func(fl *pflag.Flag) {
		fl.Usage += fmt.Sprintf(" ($%s)", f.envar(fl.Name))
		if v, ok := env(f.envar(fl.Name)); ok && err == nil {
			if serr := f.Set(fl.Name, v); serr != nil {
				err = fmt.Errorf("$%s: %w", f.envar(fl.Name), serr)
			}
		}
	})
	if err != nil {
		return err
	}
	return f.Parse(f.negated(args))
}

// negated rewrites --no-NAME to --NAME=false for the boolean flags.
func (f *flags) negated(args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if name, ok := strings.CutPrefix(a, "--no-"); ok {
			if fl := f.Lookup(name); fl != nil && fl.Value.Type() == "bool" {
				a = "--" + name + "=false"
			}
		}
		out = append(out, a)
	}
	return out
}

// mustParse parses os.Args and the environment, printing the help and
// exiting 0 for --help, and exiting 2 with the error for bad input.
func (f *flags) mustParse(stderr io.Writer) {
	err := f.parse(os.Args[1:], os.LookupEnv)
	if errors.Is(err, pflag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "%s: error: %v, try --help\n", f.Name(), err)
		os.Exit(2)
	}
}

// fatalIfError exits with msg and err when err is not nil.
func fatalIfError(err error, msg string) {
	if err != nil {
		_, _ = fmt.Fprintf(os.Stderr, "%s: error: %s: %v\n", commandName(), msg, err)
		os.Exit(1)
	}
}
