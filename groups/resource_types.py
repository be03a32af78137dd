"""Registered resource types: what can be protected, and which access types each supports.

Seed 000's target types (Orkes Conductor) and a folder type are available out of the box. A
host project registers its own, including a Django model whose instances become resources:

    from groups.resource_types import register, register_model
    register("social_media", "Social media asset")
    register_model(Document, organization_field="organization")   # key "document"

``resources.resource_for(document)`` then gives the document's Resource (created on first use),
and ``explain.can(user, "READ", document)`` answers for it.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from .models import ACCESS_TYPES


@dataclass(frozen=True)
class ResourceType:
    key: str
    name: str
    access_types: tuple[str, ...] = ACCESS_TYPES
    folder: bool = False
    model: type | None = None
    organization_field: str = "organization"


REGISTRY: dict[str, ResourceType] = {}


def register(key, name, access_types=ACCESS_TYPES, *, folder=False, model=None, **options):
    access_types = tuple(access_types)
    unknown = set(access_types) - set(ACCESS_TYPES)
    if unknown:
        raise ValueError(f"Unknown access types for {key}: {sorted(unknown)}")
    REGISTRY[key] = ResourceType(key, name, access_types, folder, model, **options)
    return REGISTRY[key]


def register_model(model, *, key=None, name=None, access_types=ACCESS_TYPES, **options):
    """Make instances of a Django model protectable resources (key: the instance's pk)."""
    return register(
        key or model._meta.model_name,
        name or str(model._meta.verbose_name).capitalize(),
        access_types,
        model=model,
        **options,
    )


def get(key: str) -> ResourceType:
    try:
        return REGISTRY[key]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise ValidationError(
            {"type": f"Unknown resource type “{key}” (known: {known})."}
        ) from None


def for_model(model) -> ResourceType:
    for resource_type in REGISTRY.values():
        if resource_type.model is model:
            return resource_type
    raise ValidationError(f"{model.__name__} is not a registered resource type.")


# Orkes Conductor's target types (seed 000), and folders.
register("folder", "Folder", folder=True)
for _key, _name in [
    ("WORKFLOW_DEF", "Workflow definition"),
    ("TASK_DEF", "Task definition"),
    ("APPLICATION", "Application"),
    ("USER", "User"),
    ("SECRET", "Secret (older name)"),
    ("SECRET_NAME", "Secret"),
    ("TAG", "Tag"),
    ("DOMAIN", "Domain"),
    ("ENV_VARIABLE", "Environment variable"),
    ("WORKFLOW_SCHEDULE", "Workflow schedule"),
    ("INTEGRATION_PROVIDER", "Integration provider"),
    ("PROMPT", "AI prompt"),
]:
    register(_key, _name)
