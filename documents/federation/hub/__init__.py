"""
Hub mode: the portal as the provincial LGSP (docs/federation.md "Hub mode"). Agency systems
connect with a systemId/secret (``hub_system_create``) and speak the axis protocol under
``/vxp/``: ``services`` (routing, queues, connected systems), ``views`` (the JSON endpoints),
``transport`` (HubTransport: dispatches and statuses of this portal to a connected system).
"""
