/**
 * The sandbox Fin's knowledge: a few help-centre answers in the HTML Fin sends (tables, nested lists, code, images,
 * links, citations), picked by keywords. Enough to see every part of the converter at work.
 */
export interface Article {
  readonly title: string;
  readonly keywords: readonly string[];
  readonly html: string;
}

export const ARTICLES: readonly Article[] = [
  {
    title: 'Resetting your password',
    keywords: ['password', 'reset', 'login', 'log in', 'sign in', 'locked'],
    html: [
      '<p>You can reset your password in a few steps. You need access to the email address on your account.</p>',
      '<ol>',
      '<li>Go to the <a href="https://app.example.com/login">sign-in page</a> and click <b>Forgot password?</b></li>',
      '<li>Enter your email address. We send a reset link that is valid for <i>one hour</i>.</li>',
      '<li>Choose a new password:<ul><li>at least 12 characters</li><li>not one you used before</li></ul></li>',
      '</ol>',
      '<p>Still locked out after 5 tries? Your account is paused for 15 minutes &amp; then you can try again. ',
      'See <a href="https://help.example.com/articles/123-reset-password">Resetting your password</a> <sup>[1]</sup>.</p>',
    ].join(''),
  },
  {
    title: 'Plans and pricing',
    keywords: ['plan', 'plans', 'price', 'pricing', 'cost', 'upgrade', 'billing'],
    html: [
      '<h2>Our plans</h2>',
      '<p>Every plan includes unlimited conversations. The differences:</p>',
      '<table><thead><tr><th>Plan</th><th>Seats</th><th>Price / month</th></tr></thead><tbody>',
      '<tr><td>Starter</td><td>1–3</td><td>$29</td></tr>',
      '<tr><td>Team</td><td>up to 20</td><td>$99</td></tr>',
      '<tr><td>Enterprise</td><td>unlimited</td><td><a href="https://example.com/contact">Talk to sales</a></td></tr>',
      '</tbody></table>',
      '<p>You can <b>upgrade at any time</b>; we charge the difference for the rest of the month.</p>',
      '<img src="https://help.example.com/images/plans.png" alt="Plan comparison chart">',
    ].join(''),
  },
  {
    title: 'Using the API',
    keywords: ['api', 'token', 'curl', 'developer', 'code', 'webhook'],
    html: [
      '<p>Create a token under <b>Settings → Developers</b>, then call the API with it:</p>',
      '<pre><code>curl https://api.example.com/v1/orders \\\n  -H "Authorization: Bearer $TOKEN" \\\n  -H "Accept: application/json"</code></pre>',
      '<p>The response is JSON; <code>orders[].status</code> is one of <code>open</code>, <code>shipped</code> or <code>returned</code>.</p>',
      '<blockquote>Keep tokens secret: anyone with one can act as you. Rotate them every 90 days.</blockquote>',
      '<p>Reference: <a href="https://developers.example.com/api">API documentation</a>.</p>',
    ].join(''),
  },
  {
    title: 'Shipping and delivery',
    keywords: ['ship', 'shipping', 'delivery', 'order', 'track', 'tracking', 'where is'],
    html: [
      '<p>Orders ship within <b>2 business days</b>. Once shipped, you get an email with a tracking link.</p>',
      '<ul><li><b>Standard</b>: 3–5 days, free over $50</li><li><b>Express</b>: 1–2 days, $15</li></ul>',
      '<hr>',
      '<p><i>Tip:</i> you can follow every order from <a href="https://app.example.com/orders">your orders page</a>.</p>',
    ].join(''),
  },
];

export const FALLBACK_HTML = [
  '<p>I could not find that in our help centre. I can help with:</p>',
  `<ul>${ARTICLES.map((a) => `<li>${a.title}</li>`).join('')}</ul>`,
  '<p>Or ask for <b>a human</b> and I will pass you to the team. Asking for <b>a refund</b> starts a procedure an agent approves.</p>',
].join('');

/** The best article for a question: the one whose keywords it mentions most. */
export function answerFor(question: string): Article | undefined {
  const q = question.toLowerCase();
  let best: { article: Article; score: number } | undefined;
  for (const article of ARTICLES) {
    const score = article.keywords.filter((k) => q.includes(k)).length;
    if (score > 0 && (best === undefined || score > best.score)) best = { article, score };
  }
  return best?.article;
}
