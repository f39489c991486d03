"""The web application: server-rendered pages and a JSON API over the services."""
