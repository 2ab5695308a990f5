// A test world whose chat model is the loopback OpenAI stand-in with a fixed style verdict, so
// that content routing is predictable (embeddings still come from the real local model).
import { startOpenAiStandIn, type OpenAiStandIn } from './openai-standin';
import { startWorld, type World } from './world';

export interface StandInWorld {
  world: World;
  llm: OpenAiStandIn;
  stop(): Promise<void>;
}

export async function startWorldWithModelStandIn(overrides: Record<string, string> = {}, styleScore = 0.95): Promise<StandInWorld> {
  const llm = await startOpenAiStandIn();
  llm.script([], { content: JSON.stringify({ score: styleScore, issues: [] }) });
  const world = await startWorld({ OPENAI_BASE_URL: llm.baseUrl, ...overrides });
  return {
    world,
    llm,
    async stop() {
      await world.stop();
      await llm.close();
    },
  };
}
