"""Writing the audit trail. Every service calls ``audit_record`` inside its own transaction."""

from .models import AuditEvent

Channel = AuditEvent.Channel


def audit_record(**fields) -> AuditEvent:
    """Record one change (the fields of ``audit_event``). Names are copied so the history keeps
    them as they were."""
    event = audit_event(**fields)
    event.save(force_insert=True)
    return event


def audit_record_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Record several changes (built by ``audit_event``) in one statement per thousand: still
    one event per change, in order, at the cost of a batch rather than one INSERT each."""
    return AuditEvent.objects.bulk_create(events, batch_size=1000)


def audit_event(
    *,
    action: str,
    organization=None,
    target=None,
    target_type: str = "",
    before: dict | None = None,
    after: dict | None = None,
    channel: str,
    actor,
) -> AuditEvent:
    """The unsaved event ``audit_record`` would write."""
    if target is not None:
        target_type = target_type or target._meta.model_name
        target_id = str(getattr(target, "public_id", target.pk))
        target_name = str(target)
    else:
        target_id = target_name = ""
    return AuditEvent(
        organization=organization,
        actor=actor,
        actor_name=f"{actor.display_name} <{actor.email}>" if actor is not None else "",
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_name=target_name[:300],
        before=before,
        after=after,
        channel=channel,
    )
