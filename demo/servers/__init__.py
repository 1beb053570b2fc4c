"""Small HTTP servers that play the programme's senders, for the demo and the tests."""
