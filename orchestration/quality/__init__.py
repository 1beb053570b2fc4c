"""Quality domain: the batch gate, asset checks on the marts, alerts and the quality page."""
