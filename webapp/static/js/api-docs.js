// /api/docs: start Swagger UI over the portal's own OpenAPI document (no inline script: the CSP forbids it).
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var csrf = document.querySelector('meta[name="csrf-token"]');
  window.ui = window.SwaggerUIBundle({
    url: document.body.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // never send the document to an outside validator
    requestInterceptor: function (request) {
      // "Try it out" on the session cookie: changes need the CSRF token, as the portal's own scripts send it.
      if (csrf) {
        request.headers["X-CSRFToken"] = csrf.content;
      }
      return request;
    },
  });
});
