"""Population structure: ancestry on a reference panel, kinship, HWE/F/SFS/Fst and genetic sex."""
