"""The data layer: the registry of sources, the HTTP session and live clients, the writer of live vintages, the
reader of snapshots and vintages (with provenance), and one parser per format. Nothing here imports a topic."""
