"""The GraphQL API at /graphql: aiWARE's auth group operations (see schema.py)."""
