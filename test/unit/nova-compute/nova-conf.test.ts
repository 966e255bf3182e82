import { computeDriver, readNovaConfOption, usesLibvirt, type NovaConfFile } from '../../../lib/nova-compute/nova-conf';

const conf = (text: string): NovaConfFile => ({ path: '/etc/nova/nova.conf', text });
const dropIn = (name: string, text: string): NovaConfFile => ({ path: `/etc/nova/nova.conf.d/${name}`, text });

describe('readNovaConfOption', () => {
  const cases: [string, NovaConfFile[], string, string, string | undefined][] = [
    ['another section', [conf('[libvirt]\nvirt_type = kvm\n')], 'libvirt', 'virt_type', 'kvm'],
    ['the section must match', [conf('[DEFAULT]\nvirt_type = kvm\n')], 'libvirt', 'virt_type', undefined],
    ['the key must match exactly', [conf('[libvirt]\nvirt_types = kvm\n')], 'libvirt', 'virt_type', undefined],
    ['a drop-in wins', [conf('[libvirt]\nvirt_type = kvm\n'), dropIn('50.conf', '[libvirt]\nvirt_type = qemu\n')], 'libvirt', 'virt_type', 'qemu'],
    ['quotes removed', [conf("[vnc]\nserver_listen = '0.0.0.0'\n")], 'vnc', 'server_listen', '0.0.0.0'],
    ['empty is unset', [conf('[vnc]\nserver_listen =\n')], 'vnc', 'server_listen', undefined],
  ];
  test.each(cases)('%s', (_name, files, section, key, expected) => {
    expect(readNovaConfOption(files, section, key)).toBe(expected);
  });
});

describe('computeDriver and usesLibvirt', () => {
  const cases: [string, NovaConfFile[], string | undefined, boolean][] = [
    ['no configuration', [], undefined, false],
    ['libvirt', [conf('[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n')], 'libvirt.LibvirtDriver', true],
    ['the old full path', [conf('[DEFAULT]\ncompute_driver=nova.virt.libvirt.LibvirtDriver\n')], 'nova.virt.libvirt.LibvirtDriver', true],
    ['the fake driver', [conf('[DEFAULT]\ncompute_driver = fake.FakeDriver\n')], 'fake.FakeDriver', false],
    ['ironic', [conf('[DEFAULT]\ncompute_driver = ironic.IronicDriver\n')], 'ironic.IronicDriver', false],
    ['in another section it does not count', [conf('[libvirt]\ncompute_driver = libvirt.LibvirtDriver\n')], undefined, false],
    [
      'a drop-in switches driver',
      [conf('[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n'), dropIn('99.conf', '[DEFAULT]\ncompute_driver = fake.FakeDriver\n')],
      'fake.FakeDriver',
      false,
    ],
    ['a name that merely contains libvirt', [conf('[DEFAULT]\ncompute_driver = mylibvirt.Driver\n')], 'mylibvirt.Driver', false],
  ];
  test.each(cases)('%s', (_name, files, driver, libvirt) => {
    expect(computeDriver(files)).toBe(driver);
    expect(usesLibvirt(files)).toBe(libvirt);
  });
});
