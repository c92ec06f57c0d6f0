package main

import (
	"fmt"
	"io"

	"github.com/platformeng/coder-platform/internal/scaletest"
)

const scaletestUsage = "usage: platform scaletest report --stack S [--config-file FILE] RESULTS...\n" +
	"  RESULTS are `coder exp scaletest --output json:` files of a run (create-workspaces-<template>.json,\n" +
	"  workspace-traffic.json, dashboard.json; TEMPLATE=FILE names a create-workspaces file's template)\n" +
	"  and Prometheus exports of " + scaletest.APILatencyQuery + " (docs/scaletest.md)"

// runScaletest is `platform scaletest report`: each acceptance criterion
// with its measured value and verdict. Exit 1 when one is missed, 2 on bad
// input.
func runScaletest(args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 || args[0] != "report" {
		return exitUsage, usageError{scaletestUsage}
	}
	fs := newFlags("scaletest report", stderr)
	stack := fs.String("stack", "", "stack the run tested: prod or workshop (its observability.thresholds are the targets)")
	configFile := fs.String("config-file", "", "read this stack file instead of the committed one")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage, usageError{err.Error()}
	}
	if *stack == "" {
		return exitUsage, usageError{"--stack is required (prod or workshop)"}
	}
	if fs.NArg() == 0 {
		return exitUsage, usageError{scaletestUsage}
	}
	_, _, cfg, err := loadStack(*stack, *configFile)
	if err != nil {
		return exitUsage, err
	}
	var files []scaletest.File
	for _, arg := range fs.Args() {
		f, err := scaletest.ReadArg(arg)
		if err != nil {
			return exitUsage, usageError{err.Error()}
		}
		files = append(files, f)
	}
	rep, err := scaletest.Build(*stack, scaletest.TargetsOf(cfg.Observability.Thresholds), files)
	if err != nil {
		return exitUsage, usageError{err.Error()}
	}
	rep.Write(stdout)
	if n := rep.Missed(); n > 0 {
		return exitFailure, fmt.Errorf("%d acceptance criteria missed", n)
	}
	return exitOK, nil
}
