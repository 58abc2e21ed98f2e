"""Load benchmark of the main pages at national scale (issue 8; not a test). See run.sh."""
