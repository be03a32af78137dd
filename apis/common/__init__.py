"""What the three channels share: the one API-key authentication (``auth``), the lookups of
objects named in a request (``lookups``), two access rules ``groups.access`` does not ask yet
(``rules``), and the mapping of the services' refusals to a neutral status, code and message
that each channel's ``errors`` writes in its own shape (``errors``)."""
