from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from tessera.api.v1.app import api
from tessera.channels import webhooks

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("inbound/mailgun/", webhooks.mailgun_inbound, name="inbound-mailgun"),
    path("inbound/sendgrid/", webhooks.sendgrid_inbound, name="inbound-sendgrid"),
    path("inbound/postmark/", webhooks.postmark_inbound, name="inbound-postmark"),
    path("inbound/amazon-ses/", webhooks.amazon_ses_inbound, name="inbound-amazon-ses"),
    path("desk/admin/rules/", include("tessera.rules.urls")),
    path("desk/reports/", include("tessera.reports.urls")),
    path("desk/", include("tessera.agent_ui.urls")),
    path("portal/", include("tessera.portal.urls")),
    path("", include("tessera.web.urls")),
]
