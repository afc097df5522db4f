from django.apps import AppConfig


class AgentUiConfig(AppConfig):
    name = "tessera.agent_ui"
    label = "agent_ui"
