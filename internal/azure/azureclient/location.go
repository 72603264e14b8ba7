package azureclient

import "strings"

// SameLocation compares Azure locations as Azure does: "West Europe" is
// westeurope.
func SameLocation(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }
	return norm(a) == norm(b)
}
