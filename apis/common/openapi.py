"""OpenAPI operation ids that stay as published.

Django Ninja derives an operation's id from the module path of its function
(``groups_api_groups_groups_list``), and clients generated from the schema name their methods
after it. The channels' code moved (``groups/api/`` → ``apis/rest/``, ``groups/conductor/`` →
``apis/conductor/``, REST's ``access`` module split in four): their ids stay the published ones.
"""

from ninja import NinjaAPI


class PublishedIdsNinjaAPI(NinjaAPI):
    """Operation ids ``<published_prefix>_<module>_<function>``, the module named as it was
    published (``published_modules``: its name now -> its published name)."""

    def __init__(self, *args, published_prefix: str, published_modules=None, **kwargs):
        self.published_prefix = published_prefix
        self.published_modules = published_modules or {}
        super().__init__(*args, **kwargs)

    def get_openapi_operation_id(self, operation) -> str:
        module = operation.view_func.__module__.rsplit(".", 1)[-1]
        module = self.published_modules.get(module, module)
        return f"{self.published_prefix}_{module}_{operation.view_func.__name__}"
