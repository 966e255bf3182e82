/**
 * scripts/docs/cib-model: what the docs parity test treats as the same configuration (ids,
 * spellings of durations and scores, Pacemaker's defaults) and what it must still tell apart.
 */
import { configurationModel, durationMs, modelDifferences, normaliseScore } from '../../scripts/docs/cib-model';

test.each([
  ['0', 0],
  ['', 0],
  [undefined, 0],
  ['0s', 0],
  ['60', 60_000],
  ['60s', 60_000],
  ['1min', 60_000],
  ['20000ms', 20_000],
  ['1h', 3_600_000],
])('duration %p is %p ms', (text, ms) => {
  expect(durationMs(text)).toBe(ms);
});

test('an unparseable duration never equals a parseable one', () => {
  expect(durationMs('soon')).toBeNaN();
});

test.each([
  ['inf', 'INFINITY'],
  ['+INFINITY', 'INFINITY'],
  ['INFINITY', 'INFINITY'],
  ['-inf', '-INFINITY'],
  ['-INFINITY', '-INFINITY'],
  ['100', '100'],
])('score %p is %p', (text, score) => {
  expect(normaliseScore(text)).toBe(score);
});

const pcsLike = `<cib><configuration>
  <crm_config><cluster_property_set id="cib-bootstrap-options">
    <nvpair id="a" name="stonith-enabled" value="true"/></cluster_property_set></crm_config>
  <nodes><node id="compute1" uname="compute1" type="remote">
    <instance_attributes id="nodes-compute1"><nvpair id="b" name="osprole" value="compute"/></instance_attributes></node></nodes>
  <resources><clone id="nc-clone">
    <primitive id="nc" class="ocf" provider="openstack" type="NovaCompute">
      <operations>
        <op id="nc-start-interval-0s" name="start" interval="0s" timeout="600s"/>
        <op id="nc-monitor-interval-60s" name="monitor" interval="60s" timeout="60s">
          <instance_attributes id="c"><nvpair id="d" name="OCF_CHECK_LEVEL" value="20"/></instance_attributes></op>
      </operations></primitive>
    <meta_attributes id="e"><nvpair id="f" name="interleave" value="true"/></meta_attributes></clone></resources>
  <constraints>
    <rsc_location id="location-nc-clone" rsc="nc-clone" resource-discovery="never">
      <rule id="g" score="-INFINITY"><expression id="h" attribute="osprole" operation="ne" value="compute"/></rule></rsc_location>
    <rsc_order id="order-x" first="t-clone" first-action="start" then="nc-clone" then-action="start" kind="Mandatory"/>
  </constraints>
  <fencing-topology><fencing-level id="fl1" target="compute1" index="1" devices="ipmi1,fence-nova"/></fencing-topology>
</configuration></cib>`;

// The same configuration as crmsh writes it: other ids, other spellings, defaults left out.
const crmLike = `<cib><configuration>
  <crm_config><cluster_property_set id="cib-bootstrap-options">
    <nvpair name="stonith-enabled" value="true" id="x1"/></cluster_property_set></crm_config>
  <nodes><node uname="compute1" type="remote" id="compute1">
    <instance_attributes id="x2"><nvpair name="osprole" value="compute" id="x3"/></instance_attributes></node></nodes>
  <resources><clone id="nc-clone">
    <meta_attributes id="x4"><nvpair name="interleave" value="true" id="x5"/></meta_attributes>
    <primitive id="nc" class="ocf" provider="openstack" type="NovaCompute">
      <operations>
        <op name="monitor" interval="60" timeout="1min" id="x6">
          <instance_attributes id="x7"><nvpair name="OCF_CHECK_LEVEL" value="20" id="x8"/></instance_attributes></op>
        <op name="start" timeout="600" interval="0" id="x9"/>
      </operations></primitive></clone></resources>
  <constraints>
    <rsc_order id="o1" kind="Mandatory" first="t-clone" then="nc-clone"/>
    <rsc_location id="l1" rsc="nc-clone" resource-discovery="never">
      <rule score="-inf" id="x10"><expression operation="ne" attribute="osprole" value="compute" id="x11"/></rule></rsc_location>
  </constraints>
  <fencing-topology><fencing-level target="compute1" index="1" devices="ipmi1,fence-nova" id="fencing"/></fencing-topology>
</configuration></cib>`;

test('ids, spellings and defaults aside, the pcs-like and crm-like CIBs are the same', async () => {
  expect(modelDifferences(await configurationModel(pcsLike), await configurationModel(crmLike))).toEqual([]);
});

test('an order with a score and no kind means Mandatory (INFINITY) or Optional (0)', async () => {
  const order = (attrs: string) => `<configuration><constraints><rsc_order id="o" first="a" then="b" ${attrs}/></constraints></configuration>`;
  const mandatory = await configurationModel(order('kind="Mandatory" first-action="start"'));
  expect(modelDifferences(await configurationModel(order('score="INFINITY"')), mandatory)).toEqual([]);
  expect(modelDifferences(await configurationModel(order('score="0"')), mandatory)).not.toEqual([]);
});

test.each([
  ['an operation timeout', 'timeout="600s"', 'timeout="300s"'],
  ['an on-fail', 'name="start" interval="0s"', 'name="start" interval="0s" on-fail="fence"'],
  ['a check level', 'name="OCF_CHECK_LEVEL" value="20"', 'name="OCF_CHECK_LEVEL" value="10"'],
  ['resource-discovery', 'resource-discovery="never"', ''],
  ['a rule score', 'score="-INFINITY"', 'score="0"'],
  ['the devices of a level', 'devices="ipmi1,fence-nova"', 'devices="fence-nova,ipmi1"'],
  ['a node attribute', 'value="compute"/></instance_attributes></node>', 'value="controller"/></instance_attributes></node>'],
  ['a clone meta attribute', 'name="interleave" value="true"', 'name="interleave" value="false"'],
])('a difference in %s shows', async (_what, from, to) => {
  expect(pcsLike).toContain(from);
  const changed = pcsLike.replace(from, to);
  expect(modelDifferences(await configurationModel(pcsLike), await configurationModel(changed))).not.toEqual([]);
});
