// GraphiQL at /graphql (DEBUG only). Everything it loads ships with the project (no CDN) and
// nothing runs inline, so the page works offline and under a strict Content-Security-Policy.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var csrfToken = root.dataset.csrfToken;
  var defaultQuery = [
    "# Runs as you (the Admin Center's session), in your organization.",
    "# Someone in several organizations adds ?organization=<slug> to this page's URL.",
    "query authGroups {",
    "  authGroups(limit: 10) {",
    "    count",
    "    records {",
    "      id",
    "      name",
    "      memberCount",
    "      members(limit: 5) {",
    "        records {",
    "          createdAt",
    "          member {",
    "            ... on User { id name email }",
    "            ... on AuthGroup { id name }",
    "          }",
    "        }",
    "      }",
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");
  var fetcher = GraphiQL.createFetcher({
    url: root.dataset.endpoint,
    headers: { "X-CSRFToken": csrfToken },
  });
  root.textContent = "";
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: defaultQuery })
  );
})();
