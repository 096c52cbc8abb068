// Drives node-open311, an Open311 client written by Code for America and
// published on npm, against a civicgrid server: discovery, the service
// list, one service definition, a POST with a photo URL and the required
// attributes, then the request read back alone and in the list.  The
// client's own code is used as published; this file only calls it.
'use strict';
const assert = require('assert');
const Open311 = require('open311');

const [base, key] = process.argv.slice(2);
const c = new Open311({
  discovery: base + '/open311/v2/discovery.json',
  apiKey: key,
});

function step(name, fn) {
  return new Promise((resolve, reject) => {
    fn((err, data) => {
      if (err) {
        reject(new Error(name + ': ' + JSON.stringify(data)));
        return;
      }
      console.log('ok   ' + name);
      resolve(data);
    });
  });
}

(async () => {
  await step('discovery', (cb) => c.serviceDiscovery({cache: true}, cb));
  assert.strictEqual(c.endpoint, base + '/open311/v2/');
  assert.strictEqual(c.format, 'json');

  const services = await step('service list', (cb) => c.serviceList(cb));
  assert.ok(services.length > 10, 'a real catalogue is listed');
  const svc = services.find((s) => s.metadata === true);
  assert.ok(svc, 'some service has attributes');

  const def = await step('service definition',
    (cb) => c.serviceDefinition(svc.service_code, cb));
  assert.strictEqual(def.service_code, svc.service_code);
  const attributes = {};
  for (const a of def.attributes) {
    if (a.required)
      attributes[a.code] = a.values.length ? a.values[0].key : '有';
  }

  const photo = base + '/static/third-party-photo.jpg';
  const text = '小区门口路灯不亮，晚上很黑（外部客户端提交）';
  const posted = await step('post request', (cb) => c.submitRequest({
    service_code: svc.service_code, lat: 40.8326, long: 111.6632,
    description: text, media_url: photo, first_name: 'Wei',
    last_name: 'Zhang', phone: '13800138000', attributes,
  }, cb));
  const id = posted[0].service_request_id;
  assert.strictEqual(typeof id, 'string');

  const one = await step('read back', (cb) => c.serviceRequest(id, cb));
  assert.strictEqual(one.length, 1);
  assert.strictEqual(one[0].service_request_id, id);
  assert.strictEqual(one[0].service_code, svc.service_code);
  assert.strictEqual(one[0].status, 'open');
  assert.ok(one[0].description.startsWith(text));
  assert.strictEqual(one[0].media_url, photo);
  assert.ok(one[0].expected_datetime instanceof Date &&
            !isNaN(one[0].expected_datetime), 'a deadline is given');

  const list = await step('list by service',
    (cb) => c.serviceRequests({service_code: svc.service_code}, cb));
  assert.ok(list.some((r) => r.service_request_id === id));
  console.log('node-open311 listed, posted and read back request ' + id);
})().catch((e) => {
  console.error('FAIL ' + e.message);
  process.exit(1);
});
