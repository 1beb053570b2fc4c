"""IATI donor data: activity files (XML) and the IATI Datastore (Solr), as the same raw tables."""

from connectors.iati.datastore import DatastoreClient, datastore_http, datastore_transactions
from connectors.iati.files import fetch_activity_files
from connectors.iati.tables import IatiProblem, IatiTables
from connectors.iati.xml import load_schema, parse_activities

__all__ = [
    "DatastoreClient",
    "IatiProblem",
    "IatiTables",
    "datastore_http",
    "datastore_transactions",
    "fetch_activity_files",
    "load_schema",
    "parse_activities",
]
