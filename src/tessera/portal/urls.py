from __future__ import annotations

from django.urls import path

from tessera.portal import views, webform

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("organisation/", views.organisation, name="organisation"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:number>/reply", views.ticket_reply, name="reply"),
    path("tickets/<int:number>/close", views.ticket_close, name="close"),
    path("tickets/<int:number>/rate", views.ticket_rate, name="rate"),
    path("rate/<int:number>/<str:token>/", views.rate_link, name="rate_link"),
    path("attachments/<int:attachment_id>", views.attachment, name="attachment"),
    path("login/", views.login_view, name="login"),
    path("login/code/", views.code_request, name="code_request"),
    path("login/code/verify/", views.code_verify, name="code_verify"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup, name="signup"),
    path("signup/verify/", views.signup_verify, name="signup_verify"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("language", views.set_language, name="language"),
    path("form/", webform.form_page, name="form"),
    path("form/token.json", webform.form_token, name="form_token"),
    path("form/submit", webform.form_submit, name="form_submit"),
    path("form/embed.js", webform.embed_js, name="form_embed"),
]
