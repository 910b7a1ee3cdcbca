// Package printerstest holds hand-made objects for the branches of
// render/printers that matter most in an outage, each with the cells
// kube-apiserver prints for it. The unit tests of render/printers require
// the port to print those cells; e2e/printers_test.go requires upstream's
// printers to print them too, so the expected cells are upstream's, not
// guesses.
package printerstest

import (
	"time"

	"k8s.io/apimachinery/pkg/runtime"
)

// Case is an object and the row kube-apiserver's table convertor gives for
// it, every column included (-o wide's too).
type Case struct {
	Name   string // the kind and what the case shows
	Object runtime.Object
	Cells  []any
}

// Cases are the hand-made cases, their times set relative to now. Every
// age is a whole number of seconds or minutes from now, away from where
// duration.HumanDuration changes unit, so an upstream printer reading
// time.Now() a moment after now prints the same.
func Cases(now time.Time) []Case {
	var cases []Case
	for _, kind := range [][]Case{
		podCases(now),
		nodeCases(now),
		namespaceCases(now),
		deploymentCases(now),
		workloadCases(now),
		eventCases(now),
		leaseCases(now),
		autoscalerCases(now),
		serviceCases(now),
		storageCases(now),
		controlCases(now),
		newerAPICases(now),
	} {
		cases = append(cases, kind...)
	}
	return cases
}
