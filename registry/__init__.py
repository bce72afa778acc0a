"""The sources registry: which portals and agencies the archive covers (registry/sources.yaml)."""
