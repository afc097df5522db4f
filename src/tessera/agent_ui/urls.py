from __future__ import annotations

from django.urls import path

from tessera.agent_ui import (
    agent_views,
    contact_views,
    mailbox_views,
    settings_views,
    sla_views,
    views,
)

app_name = "desk"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("tickets/<int:number>/", views.ticket_detail, name="ticket"),
    path("views", views.post_save_view, name="save_view"),
    path("views/<int:view_id>/delete", views.post_delete_view, name="delete_view"),
    path("bulk", views.post_bulk, name="bulk"),
    path("tickets/<int:number>/reply", views.post_reply, name="reply"),
    path("tickets/<int:number>/fields", views.post_fields, name="fields"),
    path("tickets/<int:number>/merge", views.post_merge, name="merge"),
    path("tickets/<int:number>/assign-me", views.post_assign_me, name="assign_me"),
    path("tickets/<int:number>/link", views.post_link, name="link"),
    path("tickets/<int:number>/links/<int:link_id>/delete", views.post_unlink, name="unlink"),
    path("tickets/<int:number>/untag", views.post_untag, name="untag"),
    path("tickets/<int:number>/spam", views.post_spam, name="spam"),
    path("tickets/<int:number>/split/<int:message_id>", views.post_split, name="split"),
    path("attachments/<int:attachment_id>", views.download_attachment, name="attachment"),
    path("tickets/new", contact_views.new_ticket, name="new_ticket"),
    path("contacts/<int:contact_id>/", contact_views.contact_detail, name="contact"),
    path("contacts/<int:contact_id>/notes", contact_views.post_contact_note, name="contact_note"),
    path("contacts/<int:contact_id>/merge", contact_views.post_contact_merge, name="contact_merge"),
    path("settings/", settings_views.settings_index, name="settings"),
    path("settings/departments/new", settings_views.department_edit, name="department_new"),
    path("settings/departments/<int:department_id>", settings_views.department_edit, name="department"),
    path("settings/agents/new", settings_views.agent_edit, name="agent_new"),
    path("settings/agents/<int:agent_id>", settings_views.agent_edit, name="agent"),
    path("settings/fields", settings_views.field_edit, name="field_save"),
    path("settings/mail/", settings_views.mail_quarantine, name="mail_quarantine"),
    path("settings/sla/", sla_views.sla_index, name="sla"),
    path("settings/sla/<int:policy_id>", sla_views.sla_index, name="sla_policy"),
    path("settings/sla/<int:policy_id>/delete", sla_views.sla_delete, name="sla_delete"),
    path("settings/distribution/<int:department_id>", sla_views.distribution_save, name="distribution"),
    path("settings/mailboxes/", mailbox_views.mailbox_index, name="mailboxes"),
    path("settings/mailboxes/<int:mailbox_id>", mailbox_views.mailbox_edit, name="mailbox"),
    path("settings/mailboxes/<int:mailbox_id>/check", mailbox_views.mailbox_check, name="mailbox_check"),
    path("settings/mailboxes/<int:mailbox_id>/delete", mailbox_views.mailbox_delete, name="mailbox_delete"),
    path("settings/mailboxes/<int:mailbox_id>/oauth", mailbox_views.mailbox_oauth_start, name="mailbox_oauth_start"),
    path("settings/mailboxes/oauth/callback", mailbox_views.mailbox_oauth_callback, name="mailbox_oauth_callback"),
    path("settings/mail/<int:raw_id>/replay", settings_views.mail_replay, name="mail_replay"),
    path("me/availability", agent_views.post_availability, name="availability"),
    path("agents/<int:agent_id>/hours", agent_views.agent_hours, name="agent_hours"),
]
