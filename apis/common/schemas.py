"""What the Django Ninja channels (REST and Conductor) share in their request schemas."""

from ninja import Schema
from pydantic import ConfigDict


class Strict(Schema):
    """Request bodies refuse unknown fields instead of silently ignoring them."""

    model_config = ConfigDict(extra="forbid")
