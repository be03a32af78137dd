"""The API channels, thin adapters over the services and queries of ``groups`` and ``accounts``:
``rest`` (Django Ninja, under /t/<org>/api/v1/), ``graphql`` (strawberry, aiWARE's operations at
/graphql), ``conductor`` (Orkes Conductor's authorization API under /api/), and ``common`` (the one
API-key authentication, the lookups and the error mapping they share)."""
