"""Known-sites genotyping (hom-ref included, explicit no-calls) and panel positions as sites files with coverage."""
