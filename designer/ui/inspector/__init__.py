"""The inspector: the selected phase's form, built from the catalog through one editor per parameter kind."""
