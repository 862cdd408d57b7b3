"""Shared bits of the staff API."""

# A primary key in a URL: digits only and at most 18 of them (below 2**63), so that a non-numeric
# or absurdly long id never reaches ``int()`` or the database and is answered 404 by the router.
PK_REGEX = "[0-9]{1,18}"
