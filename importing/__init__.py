"""The import framework every registry and worksheet importer builds on: plans, changes, cells."""
