package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/platformeng/coder-platform/components/registry/imageref"
	"github.com/platformeng/coder-platform/internal/readiness"
	"github.com/platformeng/coder-platform/stacks"
)

// runImages lists the stack's images with their pins, or resolves every
// tag to its manifest digest at the upstream registry (the workspace
// images at the account's own ECR repository) and prints the
// images.digests block to put in the stack file (docs/images.md).
//
//	platform images list --stack S
//	platform images pin --stack S
func runImages(args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 || (args[0] != "list" && args[0] != "pin") {
		return exitUsage, usageError{"usage: platform images list --stack S | pin --stack S"}
	}
	verb := args[0]
	fs := newFlags("images "+verb, stderr)
	stack := fs.String("stack", "", "stack whose images are listed or pinned: prod or workshop")
	configFile := fs.String("config-file", "", "read this stack file instead of the committed one")
	if err := parseFlags(fs, args[1:]); err != nil {
		return exitUsage, err
	}
	if *stack == "" {
		return exitUsage, usageError{"--stack is required (prod or workshop)"}
	}
	_, file, cfg, err := loadStack(*stack, *configFile)
	if err != nil {
		return exitUsage, err
	}
	images := stacks.Images(cfg)
	if verb == "list" {
		fmt.Fprintf(stdout, "Images of stack %q (%s), images.ecr %v:\n", *stack, file, cfg.Images.On())
		for _, img := range images {
			pin := cfg.Images.Digests[img.Ref]
			if pin == "" {
				pin = "not pinned: the control plane's cached digest at deploy time"
			}
			fmt.Fprintf(stdout, "  %-50s %s\n      %s\n", img.Ref, img.Use, pin)
		}
		return exitOK, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res := newResolver(&http.Client{Timeout: 30 * time.Second}, upstreamEndpoint)
	res.ecr = func(ctx context.Context, repository, tag string) (string, error) {
		cfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return "", fmt.Errorf("AWS credentials for the workspace image repository: %w", err)
		}
		return readiness.AWS{Config: cfg}.ImageDigest(ctx, repository, tag)
	}
	fmt.Fprintf(stdout, "# The digests of stack %q's images now; put them under coder-platform:images in %s.\n", *stack, file)
	if err := writePins(ctx, stdout, images, res); err != nil {
		return exitFailure, err
	}
	return exitOK, nil
}

// writePins prints the images.digests block: each image's digest now. An
// image of the account's own repository that is not there yet (before the
// first `pulumi up` creates the repository, or before it is pushed) is a
// comment, so the rest can be pinned for that first `up`.
func writePins(ctx context.Context, w io.Writer, images []stacks.Image, res *resolver) error {
	fmt.Fprintln(w, "  digests:")
	for _, img := range images {
		ref, err := imageref.Parse(img.Ref)
		if err != nil {
			return err
		}
		d, err := res.digest(ctx, ref)
		if _, _, own := imageref.ECRHost(ref.Host); own && imageref.NotPushed(err) {
			fmt.Fprintf(w, "    # %q: not pushed yet: push it, then pin again (docs/images.md)\n", ref.Pinned())
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", img.Ref, err)
		}
		fmt.Fprintf(w, "    %q: %q\n", ref.Pinned(), d)
	}
	return nil
}
