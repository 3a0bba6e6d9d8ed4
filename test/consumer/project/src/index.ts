export default {
  async fetch(): Promise<Response> {
    return new Response("my worker");
  },
} satisfies ExportedHandler<Env>;
