/**
 * Pacemaker 2.1.5 outputs captured from the lab cluster (ctl1 plus pacemaker_remote nodes
 * compute1/compute2), used by the stand-in tools. The node lines keep the exact attribute set
 * and order crm_mon prints; compute2 is shown as just lost and awaiting fencing.
 */
export const CRM_MON_XML = `<pacemaker-result api-version="2.25" request="crm_mon -1 --output-as=xml">
  <pacemakerd sys_from="pacemakerd" state="running" last_updated="2026-11-25 13:01:38Z"/>
  <summary>
    <stack type="corosync"/>
    <current_dc present="true" version="2.1.5-a3f44794f94" name="ctl1" id="1" with_quorum="true" mixed_version="false"/>
    <last_update time="Wed Nov 25 13:01:38 2026"/>
    <last_change time="Wed Nov 25 13:01:35 2026" user="hacluster" client="crmd" origin="ctl1"/>
    <nodes_configured number="3"/>
    <resources_configured number="2" disabled="0" blocked="0"/>
    <cluster_options stonith-enabled="true" symmetric-cluster="true" no-quorum-policy="stop" maintenance-mode="false" stop-all-resources="false" stonith-timeout-ms="60000" priority-fencing-delay-ms="0"/>
  </summary>
  <nodes>
    <node name="ctl1" id="1" online="true" standby="false" standby_onfail="false" maintenance="false" pending="false" unclean="false" health="green" feature_set="3.16.1" shutdown="false" expected_up="true" is_dc="true" resources_running="2" type="member"/>
    <node name="compute1" id="compute1" online="true" standby="true" standby_onfail="false" maintenance="false" pending="false" unclean="false" health="green" feature_set="3.16.1" shutdown="false" expected_up="false" is_dc="false" resources_running="0" type="remote" id_as_resource="compute1"/>
    <node name="compute2" id="compute2" online="false" standby="false" standby_onfail="false" maintenance="true" pending="false" unclean="true" health="green" feature_set="3.16.1" shutdown="false" expected_up="false" is_dc="false" resources_running="0" type="remote" id_as_resource="compute2"/>
  </nodes>
  <node_attributes>
    <node name="ctl1">
      <attribute name="osprole" value="controller"/>
      <attribute name="segment" value="az1"/>
    </node>
    <node name="compute1">
      <attribute name="evacuate" value="no"/>
    </node>
  </node_attributes>
  <node_history/>
  <fence_history>
    <fence_event action="reboot" target="compute2" client="pacemaker-controld.25046" origin="ctl1" status="pending" delegate="ctl1"/>
    <fence_event action="reboot" target="compute-fake" client="stonith_admin.8027" origin="ctl1" status="success" delegate="ctl1" completed="2026-11-25 13:01:45Z"/>
    <fence_event action="off" target="cfail" client="stonith_admin.29148" origin="ctl1" status="failed" delegate="ctl1" exit-reason="device failed" completed="2026-11-25 12:18:08Z"/>
  </fence_history>
  <status code="0" message="OK"/>
</pacemaker-result>
`;

export const CRM_MON_NOT_CONNECTED_XML = `<pacemaker-result api-version="2.25" request="crm_mon -1 --output-as=xml">
  <status code="102" message="Not connected">
    <errors>
      <error>error: Could not connect to launcher: Connection refused</error>
      <error>crm_mon: Connection to cluster failed: Connection refused</error>
    </errors>
  </status>
</pacemaker-result>
`;

/** `stonith_admin --history compute-fake --verbose --output-as=xml`: newest first. */
export const HISTORY_VERBOSE_XML = `<pacemaker-result api-version="2.25" request="stonith_admin --history compute-fake --verbose --output-as=xml">
  <list name="fencing history" count="2">
    <fence_event action="reboot" target="compute-fake" client="stonith_admin.8027" origin="ctl1" status="success" delegate="ctl1" completed="2026-11-25 13:01:45Z"/>
    <fence_event action="reboot" target="compute-fake" client="stonith_admin.7984" origin="ctl1" status="success" delegate="ctl1" completed="2026-11-25 13:01:44Z"/>
  </list>
  <status code="0" message="OK"/>
</pacemaker-result>
`;


/** crm_mon right after pacemakerd started: exit 0, status "OK", but no CIB connection yet. */
export const CRM_MON_STARTING_XML = `<pacemaker-result api-version="2.25" request="crm_mon -1 --output-as=xml">
  <pacemakerd sys_from="pacemakerd" state="running" last_updated="2026-11-25 13:16:27Z"/>
  <status code="0" message="OK">
    <errors>
      <error>Could not connect to the CIB: Transport endpoint is not connected</error>
    </errors>
  </status>
</pacemaker-result>
`;

/** A moment later: the CIB answers, no DC yet, and the fencer is not connected. */
export const CRM_MON_NO_DC_XML = `<pacemaker-result api-version="2.25" request="crm_mon -1 --output-as=xml">
  <pacemakerd sys_from="pacemakerd" state="running" last_updated="2026-11-25 13:16:27Z"/>
  <summary>
    <stack type="unknown"/>
    <current_dc present="false"/>
    <last_update time="Wed Nov 25 13:16:27 2026"/>
    <last_change time="" user="" client="" origin=""/>
    <nodes_configured number="0"/>
    <resources_configured number="0" disabled="0" blocked="0"/>
    <cluster_options stonith-enabled="false" symmetric-cluster="true" no-quorum-policy="stop" maintenance-mode="false" stop-all-resources="false" stonith-timeout-ms="60000" priority-fencing-delay-ms="0"/>
  </summary>
  <nodes/>
  <fence_history status="102"/>
  <status code="0" message="OK"/>
</pacemaker-result>
`;
