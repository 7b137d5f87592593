"""All SQL of the platform lives in this package."""
