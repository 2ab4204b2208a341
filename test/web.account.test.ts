// Getting back in, in a browser, by keyboard alone and with JavaScript off: a coordinator gives a
// member a reset code, the member types it in from the sign-in page, chooses a new password,
// signs in with it, and looks at their own account and everything Hearth holds about them.
import t from 'tap';
import { browserHearth, checkPage, freshPage, press, screenshot, signIn, typeInto } from './support/browser.ts';
import { send, setUp, signUp } from './support/http.ts';

const served = await browserHearth(t);
if (served) {
  const { app, browser, url } = served;
  const cath = await signUp(app, 'Cath Coordinator');
  const network = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Chapeltown Time Bank', kind: 'time_bank' }, cath.auth), 201)).json().networkId as string;
  const ann = await signUp(app, 'Ann Whitaker');
  await setUp(send(app, 'POST', `/api/v1/networks/${network}/invitations`, { personId: ann.personId }, cath.auth), 201);
  await send(app, 'POST', `/api/v1/networks/${network}/invitations/acceptance`, undefined, ann.auth);

  t.test('a code from the coordinator, a new password, and one\u2019s own account', async (t) => {
    const coordinator = await freshPage(browser, url);
    await signIn(coordinator, cath);
    await coordinator.goto(`/networks/${network}/members/${ann.personId}/reset-code`);
    await checkPage(t, coordinator, 'giving a reset code');
    await press(coordinator, coordinator.getByRole('button', { name: 'Give a reset code' }));
    const code = (await coordinator.locator('.figure').innerText()).trim();
    t.match(code, /^[A-Z2-9]{3}(-[A-Z2-9]{3}){3}$/, 'the coordinator sees a code to read out');
    await checkPage(t, coordinator, 'the reset code');
    await screenshot(coordinator, 'reset-code');

    const member = await freshPage(browser, url);
    await member.goto('/sign-in');
    await press(member, member.getByRole('link', { name: 'Forgotten your password?' }));
    t.equal(await member.locator('h1').innerText(), 'Forgotten your password?');
    await checkPage(t, member, 'forgotten password');
    await press(member, member.getByRole('link', { name: 'I have a reset code' }));
    await typeInto(member, member.getByLabel('Email address'), ann.email);
    await typeInto(member, member.getByLabel('Reset code'), code.toLowerCase());
    await typeInto(member, member.getByLabel('New password', { exact: true }), 'a brand new passphrase');
    await typeInto(member, member.getByLabel('Type the new password again'), 'a brand new passphrase');
    await checkPage(t, member, 'choosing a new password');
    await press(member, member.getByRole('button', { name: 'Set new password' }));
    t.equal(await member.locator('h1').innerText(), 'Password changed');
    await checkPage(t, member, 'password changed');

    await signIn(member, { ...ann, password: 'a brand new passphrase' });
    t.equal(await member.locator('h1').innerText(), 'Your networks', 'she is in with the new password');
    await press(member, member.getByRole('link', { name: 'Your account' }));
    await checkPage(t, member, 'your account');
    await press(member, member.getByRole('link', { name: 'Everything Hearth holds about you' }));
    t.match(await member.locator('main').innerText(), /Chapeltown Time Bank/);
    await checkPage(t, member, 'everything Hearth holds');
    await screenshot(member, 'account-data');
    await member.goto('/account/details');
    await checkPage(t, member, 'your details');
  });
}
