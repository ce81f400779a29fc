"""
The national document exchange axis (VDXP/VXP) and provincial LGSP protocol
(../shared/reference/vxp-protocol.md; docs/federation.md "Axis mode"): ``protocol`` (headers,
signing, answers), ``client`` (the calls), ``transport`` (AxisTransport: sending), ``poller``
(receiving, reconciliation) and ``directory`` (getAgenciesList sync).
"""
