"""IATI donor data: activity files (XML) and the IATI Datastore (Solr), as the same raw tables."""
