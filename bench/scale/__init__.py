"""Scale data: a realistic, repeatable set of organizations for benchmarks (``seed_scale``).

Everything is decided by a seeded ``random.Random``, so one seed always gives the same people,
groups, nesting, memberships and grants. The plan is computed in memory and written with
PostgreSQL's COPY; the rows obey the invariants the services keep:

- every organization is created by ``organization_create`` (its two default groups, their
  permission sets and guardian rows, its audit event);
- every user of an organization is a direct member of its Users group (a few administrators
  also of Administrators);
- member-group edges only go from a shallower level to a deeper one (no cycle), at most
  ``depth`` edges deep; the effective table is the closure of direct memberships and edges,
  the ``direct`` flag telling them apart (``check_memberships`` agrees);
- guardian's rows on resources are derived from the grants as ``groups.grants`` does: a grant
  on a resource or on the folder it sits in gives its access codenames on the resource.

The package: ``names`` (the pools people, groups and resources are named from), ``planning``
(the sizes, the presets and the plan of one organization, in memory), ``loading`` (writing a
plan with COPY).
"""
