"""Input for the Admin Center's group pages, one module a family. Forms validate with the
services' own rules; the views hand ``cleaned_data`` to a service."""
