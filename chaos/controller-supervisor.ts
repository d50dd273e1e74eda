import type { ChaosWorld } from "./chaos-world.ts";
import type { ControllerProcess } from "./controller-process.ts";

/** What a Deployment does for its pod: a controller that exits is started again, after a pause. */
const RESTART_DELAY_MS = 1_000;

export interface SupervisedController {
  readonly current: () => ControllerProcess;
  /** One line per exit the supervisor restarted from, with the end of the process output. */
  readonly restarts: () => ReadonlyArray<string>;
  readonly stop: () => Promise<void>;
}

export const superviseController = (world: ChaosWorld, podName: string, options: { readonly disableHa: boolean }): SupervisedController => {
  const restarts: Array<string> = [];
  let stopping = false;
  let current: ControllerProcess;
  const start = () => {
    const process = world.startController(podName, options);
    current = process;
    void process.exited.then(async (code) => {
      if (stopping) return;
      restarts.push(`${podName} exited (${code ?? "signal"}) and was restarted; its output ended: ${process.output().trim().split("\n").slice(-2).join(" / ").slice(-400)}`);
      await new Promise((resolve) => setTimeout(resolve, RESTART_DELAY_MS));
      if (!stopping) start();
    });
  };
  start();
  return {
    current: () => current,
    restarts: () => restarts,
    stop: async () => {
      stopping = true;
      await current.stop();
    },
  };
};
