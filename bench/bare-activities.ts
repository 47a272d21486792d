/** The empty activity of the bare workflow: all its cost is Temporal's round trips. */
export const bareActivities = {
  async step(): Promise<void> {},
};
