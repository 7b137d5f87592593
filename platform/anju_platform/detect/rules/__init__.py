"""Pure rule functions: observations + register facts + thresholds -> findings."""
