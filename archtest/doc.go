// Package archtest holds the architecture tests: they read the import graph
// with `go list -deps -json` and fail when a pure domain package (screener,
// alerts, indicators, schedule, report, trading, and the leaf market) reaches a
// package it must not import, naming the package and the chain of imports
// that brings the forbidden one in. It has no code of its own.
package archtest
