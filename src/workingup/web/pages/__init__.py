"""Server-rendered pages: public, participant and facilitator."""
