"""The CCMS data bundle: one format for moving a provider's data in and out.

`base` holds the building blocks (columns, issues, the import plan and the file handler each
capability writes), `registry` lists the files in the order they are read, and `services` reads,
validates, imports and exports whole bundles. Each capability owns its files in its own app
(`ccms/tenancy/bundle.py`, `ccms/families/bundle.py`, ...); a new file plugs in by adding its
handler to the registry.
"""
