import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Workspace } from "./workspace";

/**
 * Six specs modelled on schemas vendors publish (Stripe, GitHub, Shopify, a transactional email
 * API, OpenAI's chat completions, an image resizer), pasted in their own style: each generates,
 * compiles under strict, and parses a realistic payload while refusing a realistic wrong one.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const REAL = join(HERE, "fixtures/real");
const GOLDEN = join(REAL, "golden");
const specs = Object.fromEntries(
  readdirSync(REAL)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => [`specs/${f}`, readFileSync(join(REAL, f), "utf8")]),
);

const invoice = {
  id: "in_1OYwXk2eZvKYlo2C0h4bR7gx",
  object: "invoice",
  amount_due: 2000,
  amount_paid: 2000,
  created: 1_705_000_000,
  currency: "eur",
  customer: { id: "cus_PNnXn8pC3d", object: "customer", created: 1_704_000_000, email: "ada@example.com", address: null, livemode: false },
  customer_address: { city: "Berlin", country: "DE", line1: "Unter den Linden 1", line2: null, postal_code: "10117", state: null },
  lines: {
    object: "list",
    data: [
      {
        id: "il_1",
        object: "line_item",
        amount: 2000,
        currency: "eur",
        description: "Pro plan",
        livemode: false,
        period: { start: 1_704_000_000, end: 1_706_600_000 },
        quantity: 1,
      },
    ],
    has_more: false,
    url: "/v1/invoices/in_1OYwXk2eZvKYlo2C0h4bR7gx/lines",
  },
  livemode: false,
  metadata: { order: "1001" },
  status: "paid",
  total: 2000,
};
const stripeEvent = {
  id: "evt_1OYwXl2eZvKYlo2C",
  object: "event",
  api_version: "2023-10-16",
  created: 1_705_000_001,
  data: { object: invoice },
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type: "invoice.paid",
};

const octocat = {
  login: "octocat",
  id: 1,
  avatar_url: "https://github.com/images/error/octocat_happy.gif",
  type: "User",
  site_admin: false,
};
const comment = (id: number, body: string, replies: unknown[] = []) => ({
  id,
  body,
  user: octocat,
  created_at: "2024-01-15T10:00:00Z",
  path: "src/a.ts",
  line: 3,
  side: "RIGHT",
  replies,
});
const ref = (name: string) => ({ ref: name, sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e" });
const pullRequestEvent = {
  action: "opened",
  number: 1347,
  pull_request: {
    number: 1347,
    state: "open",
    title: "Amazing new feature",
    body: "Please pull these awesome changes in!",
    user: octocat,
    draft: false,
    merged_at: null,
    labels: [{ id: 208045946, name: "bug", color: "f29513", default: true, description: "Something isn't working" }],
    head: ref("new-topic"),
    base: ref("main"),
    requested_reviewers: [{ name: "Justice League", slug: "justice-league" }],
  },
  sender: octocat,
  review_threads: [comment(1, "Typo here?", [comment(2, "Fixed.", [comment(3, "Thanks!")])])],
};

const order = {
  id: 5_610_827_792_483,
  admin_graphql_api_id: "gid://shopify/Order/820982911946154508",
  name: "#9999",
  email: "jon@example.com",
  created_at: "2024-03-01T12:00:00-05:00",
  currency: "USD",
  total_price: "403.00",
  subtotal_price: "393.00",
  total_tax: "0.00",
  financial_status: "paid",
  fulfillment_status: null,
  tags: "vip, wholesale",
  customer: { id: 7_001_234_567_890, email: "john@example.com" },
  billing_address: {
    first_name: "Steve",
    last_name: "Shipper",
    address1: "123 Shipping Street",
    address2: null,
    city: "Shippington",
    province_code: "KY",
    country_code: "US",
    zip: "40003",
  },
  shipping_address: {
    address1: "123 Shipping Street",
    city: "Shippington",
    country_code: "US",
    zip: "40003",
    phone: "555-555-SHIP".replace("SHIP", "7447"),
    latitude: null,
    longitude: null,
  },
  line_items: [
    {
      id: 13_579_024_681_357,
      variant_id: 389013007,
      title: "Aviator sunglasses",
      quantity: 1,
      price: "89.99",
      sku: "SKU2006-001",
      properties: [{ name: "engraving", value: "AB" }],
      tax_lines: [{ title: "State tax", price: "0.00", rate: 0.06 }],
    },
  ],
  discount_codes: [{ code: "TENOFF", amount: "10.00", type: "fixed_amount" }],
};

const mail = {
  to: ["ada@example.com", { email: "grace@example.com", name: "Grace Hopper" }],
  from: { email: "billing@example.com", name: "Example Billing" },
  reply_to: null,
  subject: "Your receipt",
  content: [
    { type: "text/plain", value: "Thanks!" },
    { type: "text/html", value: "<p>Thanks!</p>" },
  ],
  attachments: [{ content: "JVBERi0xLjcK", filename: "receipt.pdf", type: "application/pdf" }],
  headers: { "X-Campaign": "receipts" },
  categories: ["billing", "receipt"],
  send_at: 1_717_000_000,
};

const chat = {
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "You are terse." },
    {
      role: "user",
      content: [
        { type: "text", text: "What is in this image?" },
        { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
      ],
    },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"cat"}' } }],
    },
    { role: "tool", tool_call_id: "call_1", content: "A cat." },
  ],
  temperature: 0.2,
  stop: ["\n\n"],
  response_format: {
    type: "json_schema",
    json_schema: { name: "answer", schema: { type: "object", properties: { a: { type: "string" } } } },
  },
  tools: [
    {
      type: "function",
      function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] } },
    },
  ],
};

const resize = {
  source: { type: "url", url: "https://images.example.com/cat.jpg" },
  width: 640,
  height: 480,
  fit: "cover",
  gravity: [0.5, 0.3],
  quality: 80,
  dpr: 1.5,
};

type Parse = (raw: unknown) => { ok: boolean; intent?: unknown; reason?: string };

/** For each trigger: its parse function, a valid payload, and wrong ones with what the refusal must say. */
const cases: { module: string; parse: string; valid: unknown; invalid: [unknown, RegExp][] }[] = [
  {
    module: "stripe",
    parse: "parseStripeInvoicePaidIntent",
    valid: stripeEvent,
    invalid: [
      [{ ...stripeEvent, data: { object: { ...invoice, status: "settled" } } }, /^data\.object\.status: /],
      [
        { ...stripeEvent, data: { object: { ...invoice, customer: { object: "customer", deleted: "yes" } } } },
        /^data\.object\.customer\.deleted: /,
      ],
      [{ ...stripeEvent, type: "invoice.created" }, /^type: /],
    ],
  },
  {
    module: "github",
    parse: "parseGithubPullRequestIntent",
    valid: pullRequestEvent,
    invalid: [
      [
        { ...pullRequestEvent, review_threads: [comment(1, "a", [comment(2, "b", [{ ...comment(3, "c"), line: 0 }])])] },
        /^review_threads\[0\]\.replies\[0\]\.replies\[0\]\.line: Too small/,
      ],
      [{ ...pullRequestEvent, sender: { ...octocat, email: "x" } }, /^sender: Unrecognized key: "email"/],
      [
        { ...pullRequestEvent, pull_request: { ...pullRequestEvent.pull_request, head: ref("x"), base: { ref: "main", sha: "HEAD" } } },
        /^pull_request\.base\.sha: /,
      ],
    ],
  },
  {
    module: "shopify",
    parse: "parseShopifyOrderCreatedIntent",
    valid: order,
    invalid: [
      [{ ...order, total_price: "403" }, /^total_price: /],
      [{ ...order, shipping_address: { ...order.shipping_address, latitude: 91 } }, /^shipping_address\.latitude: Too big/],
      [{ ...order, line_items: [] }, /^line_items: Too small/],
    ],
  },
  {
    module: "email",
    parse: "parseMailSendIntent",
    valid: mail,
    invalid: [
      [{ ...mail, to: ["not an address"] }, /^to\[0\]: /],
      [{ ...mail, attachments: [{ content: "%%%", filename: "a.pdf" }] }, /^attachments\[0\]\.content: /],
      [{ ...mail, headers: { "Content-Type": "text/html" } }, /^headers\["Content-Type"\]: Invalid key/],
      [{ ...mail, categories: ["a", "a"] }, /^categories: Items must be unique/],
    ],
  },
  {
    module: "llm",
    parse: "parseLlmChatCompletionIntent",
    valid: chat,
    invalid: [
      [{ ...chat, messages: [{ role: "tool", content: "x" }] }, /^messages\[0\]\.tool_call_id: /],
      [
        { ...chat, messages: [{ role: "developer", content: "x" }] },
        /^messages\[0\]\.role: Invalid discriminator value\. Expected 'system' \| 'user' \| 'assistant' \| 'tool'/,
      ],
      [
        { ...chat, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "not a url" } }] }] },
        /^messages\[0\]\.content\[0\]\.image_url\.url: /,
      ],
      [{ ...chat, top_p: 0 }, /^top_p: Too small/],
    ],
  },
  {
    module: "image",
    parse: "parseImageResizeIntent",
    valid: resize,
    invalid: [
      [{ ...resize, source: { type: "base64", data: "iVBORw0KGgo=", media_type: "image/gif" } }, /^source\.media_type: /],
      [{ ...resize, width: 0 }, /^width: Too small/],
      [{ ...resize, gravity: [0.5, 2] }, /^gravity\[1\]: Too big/],
      [{ ...resize, dpr: 1.25 }, /^dpr: /],
    ],
  },
];

/** The types at work in handler code, with the lines that must not compile marked. */
const usage = `import type { ChatCompletionRequestMessage, GithubPullRequestIntent, ImageResizeIntent, Invoice, MailSendIntent, ReviewComment, ShopifyOrderCreatedIntent } from "../generated";

export function customerId(invoice: Invoice): string | null {
  const customer = invoice.customer ?? null;
  return customer === null || typeof customer === "string" ? customer : customer.id;
}
// @ts-expect-error an expandable field is an id or an object, not a number
export const wrongCustomer: Invoice["customer"] = 42;

export function depth(comment: ReviewComment): number {
  return 1 + Math.max(0, ...comment.replies.map(depth));
}
// @ts-expect-error a reply is a whole review comment
export const wrongReply: ReviewComment["replies"][number] = { id: 1, body: "x" };
export const action: GithubPullRequestIntent["action"] = "opened";

export function total(order: ShopifyOrderCreatedIntent): string {
  return order.shipping_address === null || order.shipping_address === undefined ? order.total_price : \`\${order.total_price} to \${order.shipping_address.city}\`;
}
// @ts-expect-error a shipping address may be null, but not a string
export const wrongAddress: ShopifyOrderCreatedIntent["shipping_address"] = "123 Shipping Street";

export const recipients: MailSendIntent["to"] = ["a@example.com", { email: "b@example.com", name: "B" }];
// @ts-expect-error a recipient object takes no other keys
export const wrongRecipient: MailSendIntent["to"] = [{ email: "b@example.com", display: "B" }];

export function text(message: ChatCompletionRequestMessage): string {
  switch (message.role) {
    case "tool":
      return \`\${message.tool_call_id}: \${message.content}\`;
    case "assistant":
      return message.content ?? "";
    case "user":
      return typeof message.content === "string" ? message.content : message.content.map((part) => (part.type === "text" ? part.text : part.image_url.url)).join(" ");
    case "system":
      return message.content;
  }
}
// @ts-expect-error a tool message needs its tool_call_id
export const wrongMessage: ChatCompletionRequestMessage = { role: "tool", content: "x" };

export function sourceOf(intent: ImageResizeIntent): string {
  return intent.source.type === "url" ? intent.source.url : intent.source.media_type;
}
// @ts-expect-error a focal point is two numbers
export const wrongGravity: ImageResizeIntent["gravity"] = [0.5];
`;

describe("specs modelled on vendors' published schemas", () => {
  let ws: Workspace;
  const parsers = new Map<string, Parse>();
  beforeAll(async () => {
    ws = new Workspace(specs);
    await ws.generateOrThrow();
    for (const { module, parse } of cases) parsers.set(parse, (await import(join(ws.root, `generated/${module}.ts`)))[parse]);
  });
  afterAll(() => ws.dispose());

  it("generate what the golden files hold (UPDATE_GOLDEN=1 rewrites them)", () => {
    mkdirSync(GOLDEN, { recursive: true });
    for (const { module } of cases) {
      const text = ws.read(`generated/${module}.ts`);
      const golden = join(GOLDEN, `${module}.ts.golden`);
      if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, text);
      expect(text, module).toBe(readFileSync(golden, "utf8"));
    }
  });

  it("compile under strict, with handler code that uses their types, and wrong values do not", () => {
    ws.write("app/usage.ts", usage);
    try {
      expect(ws.typecheck()).toEqual([]);
    } finally {
      ws.remove("app/usage.ts");
    }
  });

  for (const { module, parse, valid, invalid } of cases) {
    it(`${module}: parses a realistic payload, and refuses wrong ones naming the field`, () => {
      const run = parsers.get(parse)!;
      expect(run(valid), JSON.stringify(run(valid))).toMatchObject({ ok: true });
      for (const [payload, reason] of invalid) {
        const result = run(payload);
        expect(result.ok, JSON.stringify(payload)).toBe(false);
        expect(result.reason).toMatch(reason);
      }
    });
  }
});
