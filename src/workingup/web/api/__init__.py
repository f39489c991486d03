"""The JSON API under /api/v1: public, participant and facilitator routes, each with stable operation ids."""
