"""What is particular to a CMS family, kept out of the generic spider."""
